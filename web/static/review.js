// 待复核: the field being edited is highlighted on the scan; Enter saves it (the form's
// own submit), Alt+ArrowDown opens the next document. No libraries, nothing fetched.
(function () {
  function boxesFor(name) { return document.querySelectorAll('rect.box[data-field="' + name + '"]'); }
  document.querySelectorAll('form.field').forEach(function (form) {
    var name = form.dataset.field;
    form.addEventListener('focusin', function () { boxesFor(name).forEach(function (b) { b.classList.add('active'); }); });
    form.addEventListener('focusout', function () { boxesFor(name).forEach(function (b) { b.classList.remove('active'); }); });
  });
  var first = document.querySelector('form.field input[name=value]');
  if (first) { first.focus(); first.select(); }
  document.addEventListener('keydown', function (e) {
    if (e.altKey && e.key === 'ArrowDown') {
      var next = document.getElementById('next-doc');
      if (next) { e.preventDefault(); location.href = next.href; }
    }
  });
})();
