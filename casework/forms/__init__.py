"""Forms translate browser input for the services; they hold no business rules of their own."""
