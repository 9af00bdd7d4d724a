"""The one exception type a user sees: a plain sentence, never a traceback."""

__all__ = ["UsageError"]


class UsageError(ValueError):
    """Bad input from a user: a page file, option, scenario or widget value.

    The message is one sentence that says what is wrong and what is accepted;
    the command line prints it after ``zswapviz: error:`` and exits 2.
    """
