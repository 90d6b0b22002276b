// 上传: files dropped on the box go into the form's file input; the form posts as usual.
(function () {
  var drop = document.getElementById('drop'), input = drop && drop.querySelector('input[type=file]');
  if (!drop) return;
  ['dragenter', 'dragover'].forEach(function (t) { drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add('over'); }); });
  ['dragleave', 'drop'].forEach(function (t) { drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove('over'); }); });
  drop.addEventListener('drop', function (e) { input.files = e.dataTransfer.files; });
})();
