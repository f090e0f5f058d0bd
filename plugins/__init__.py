"""Built-in faceclips plugins.

Each sub-package registers its components through the ``faceclips`` entry-point group,
exactly as a third-party plugin does; the core never imports them by name.
"""
