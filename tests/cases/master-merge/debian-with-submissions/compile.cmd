compile site.mailpolicy --base-master master.cf -o build
