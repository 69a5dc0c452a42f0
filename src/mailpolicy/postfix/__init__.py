"""Knowledge about Postfix itself: parameter names, defaults and history."""
