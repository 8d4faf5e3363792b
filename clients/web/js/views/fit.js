// Fit-to-box for the hall screen: a box with a fixed size (a grid cell, overflow hidden) gets
// the largest font size at which its content fits, found by bisection; everything inside is
// sized in em, so it scales as one. When even the smallest size does not fit, the parts
// marked `data-drop="N"` are hidden, highest N first (the least important), until it does.

function fits(box) {
  return box.scrollHeight <= box.clientHeight + 1 && box.scrollWidth <= box.clientWidth + 1;
}

function bisect(box, min, max) {
  box.style.fontSize = `${max}px`;
  if (fits(box)) return true;
  let lo = min;
  let hi = max;
  // 7 halvings of a range under 80 px: within 1 px of the best size.
  for (let i = 0; i < 7; i++) {
    const mid = (lo + hi) / 2;
    box.style.fontSize = `${mid}px`;
    if (fits(box)) lo = mid;
    else hi = mid;
  }
  box.style.fontSize = `${lo}px`;
  return fits(box);
}

/** Size ``box``'s text between ``min`` and ``max`` px; drop optional parts if it must. */
export function fitBox(box, { min, max }) {
  for (const el of box.querySelectorAll("[data-dropped]")) {
    el.hidden = false;
    delete el.dataset.dropped;
  }
  if (bisect(box, min, max)) return true;
  const optional = [...box.querySelectorAll("[data-drop]")]
    .sort((a, b) => Number(b.dataset.drop) - Number(a.dataset.drop));
  for (const el of optional) {
    el.hidden = true;
    el.dataset.dropped = "1";
    if (bisect(box, min, max)) return true;
  }
  return false;
}
