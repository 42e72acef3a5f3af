"""矛盾纠纷调解: mediations opened on resident requests, their parties, sessions and outcomes."""
