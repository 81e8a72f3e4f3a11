"""One backend module per BILL resource family."""
