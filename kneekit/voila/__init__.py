"""Serving kneekit's notebooks with Voilà: each face's configuration, process and kernels."""
