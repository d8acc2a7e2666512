// Apply the remembered theme before first paint so dark users never see a white flash.
// A file rather than an inline script: the Content-Security-Policy allows scripts from this origin only.
try {
  var t = localStorage.getItem('streamcat.theme');
  if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t;
} catch (e) {}
