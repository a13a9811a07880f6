"""sitegen: static sites for government information disclosure catalogs (政府信息公开目录)."""

__version__ = "0.1.0"
