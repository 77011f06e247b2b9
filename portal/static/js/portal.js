// Progressive enhancement only: every form works without this file.
// Shows the "no CUG number" declaration only when a personal mobile is chosen.
document.addEventListener("DOMContentLoaded", function () {
  var radios = document.querySelectorAll('input[name="mobile_kind"]');
  var declaration = document.getElementById("id_no_cug_declared");
  if (!radios.length || !declaration) return;
  var box = declaration.closest(".field");
  function sync() {
    var personal = document.querySelector('input[name="mobile_kind"]:checked');
    box.hidden = !(personal && personal.value === "personal");
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); });
  sync();
});
