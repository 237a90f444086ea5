"""What families see of the help desk: messages on their channel, the request page and the records link."""
