"""kneekit for a whole clinic on JupyterHub: the deployment ``kneekit hub init`` writes, and the
client pages run as a hub-managed service."""
