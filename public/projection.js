// Projector page: a new QR code and typed code every window, and the live count.
(function () {
  const root = document.querySelector('[data-projection]')
  if (!root) return
  const url = root.getAttribute('data-projection')
  const qr = root.querySelector('[data-qr]')
  const typed = root.querySelector('[data-typed-code]')
  const count = root.querySelector('[data-count]')
  const chosen = root.querySelector('[data-chosen]')
  let last = typed ? typed.textContent : ''
  function refresh () {
    fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) { return res.ok ? res.json() : null })
      .then(function (state) {
        if (!state) return
        if (state.typedCode !== last) {
          last = state.typedCode
          if (qr) qr.innerHTML = state.qrSvg
          if (typed) typed.textContent = state.typedCode
        }
        if (count) count.textContent = String(state.checkedIn)
        if (chosen) chosen.textContent = String(state.chosen)
      })
      .catch(function () { /* the next refresh tries again */ })
  }
  setInterval(refresh, 2000)
})()
