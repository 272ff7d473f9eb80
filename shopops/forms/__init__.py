"""The console's forms, one module per feature; views import the one they show."""
