"""initlint: find Conv/Linear layers whose init does not match the activation that follows them."""

__version__ = "0.2.0"
