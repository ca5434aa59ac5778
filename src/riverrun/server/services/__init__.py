"""Work the server does in the background, each safe with several replicas on one database."""
