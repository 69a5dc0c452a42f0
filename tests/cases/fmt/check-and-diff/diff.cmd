fmt --diff a.mailpolicy
