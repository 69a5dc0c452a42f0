"""Knowledge about Postfix itself: parameter and restriction names, defaults and history,
how smtpd reads a restriction list, and which tables have a text source."""
