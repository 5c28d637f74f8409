// The workbench's few behaviours: drop files on the upload box; a flagged table cell shows its
// findings; a finding shows its cells. No network, no inline script (the page's CSP forbids both).
(function () {
  'use strict';
  var drop = document.getElementById('drop');
  var input = document.getElementById('files');
  if (drop && input) {
    ['dragenter', 'dragover'].forEach(function (name) {
      drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (name) {
      drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.remove('over'); });
    });
    drop.addEventListener('drop', function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; }
    });
  }
  function clearActive() {
    document.querySelectorAll('.active').forEach(function (el) { el.classList.remove('active'); });
  }
  function showFinding(article) {
    clearActive();
    article.classList.add('active');
    var id = article.getAttribute('data-fid');
    document.querySelectorAll('td[data-findings]').forEach(function (td) {
      if (td.getAttribute('data-findings').split(/\s+/).indexOf(id) >= 0) { td.classList.add('active'); }
    });
  }
  document.addEventListener('click', function (e) {
    var target = e.target;
    if (!(target instanceof Element)) { return; }
    var td = target.closest('td[data-findings]');
    if (td) {
      var ids = td.getAttribute('data-findings').split(/\s+/);
      var first = null;
      clearActive();
      td.classList.add('active');
      ids.forEach(function (id) {
        var article = document.querySelector('article[data-fid="' + id + '"]');
        if (article) { article.classList.add('active'); first = first || article; }
      });
      if (first) { first.scrollIntoView({block: 'nearest', behavior: 'smooth'}); }
      return;
    }
    var article = target.closest('article.finding');
    if (article && !target.closest('form, details, a, button')) { showFinding(article); }
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && e.target instanceof Element && e.target.matches('td[data-findings]')) { e.target.click(); }
  });
})();
