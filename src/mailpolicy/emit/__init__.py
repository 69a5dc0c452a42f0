"""The emit stage: render a plan as the files Postfix reads. One module per output format."""
