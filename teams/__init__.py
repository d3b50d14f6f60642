"""Who may see and change what: accounts, workspaces, roles, invitations, share links, API tokens, the audit
log, rate limits, and `access`, where every access decision is made. It imports only the models of maps
(a share link is of a map), nothing else of it (make lint checks it)."""
