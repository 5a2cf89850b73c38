"""idp: intelligent document processing for back-office paperwork."""

__version__ = "0.1.0"
