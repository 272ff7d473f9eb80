"""Forms of the 私域激励 console pages, one module per feature (they parse input; the rules are the services')."""
