"""`flask doctor`: the settings a council would get wrong, checked on the machine that runs the service."""
