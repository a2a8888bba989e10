"""Command-line arguments of the example scripts when the documentation gallery runs them."""


def quick(gallery_conf, script_vars):
    """Run every example with ``--quick`` (small sizes), so that the gallery builds fast.

    Parameters
    ----------
    gallery_conf : dict
        sphinx-gallery's configuration.
    script_vars : dict
        The example being run (sphinx-gallery's description of it).

    Returns
    -------
    argv : list of str
        The arguments after the script name.
    """
    return ["--quick"]
