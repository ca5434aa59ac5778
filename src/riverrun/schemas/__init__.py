"""The shared vocabulary of client, server and store: objects, filters, sorting, actions."""
