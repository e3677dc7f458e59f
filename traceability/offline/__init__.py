"""The offline kit: the signed revocation list and batch manifest for verifiers without signal."""
