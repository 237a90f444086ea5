"""Privacy officers and school contacts who work tickets in the console."""
