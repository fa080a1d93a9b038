// Projector page: a new QR code and typed code every window, and the live count.
(function () {
  const root = document.querySelector('[data-projection]')
  if (!root) return
  const url = root.getAttribute('data-projection')
  const lang = root.getAttribute('data-intl-locale') || undefined
  const plural = new Intl.PluralRules(lang)
  const number = new Intl.NumberFormat(lang)
  const qr = root.querySelector('[data-qr]')
  const typed = root.querySelector('[data-typed-code]')
  let last = typed ? typed.textContent : ''
  // A count in its sentence: the page gives the sentence for one and for several, "{n}" marking the number.
  function showCount (sentence, n) {
    const form = sentence.getAttribute(plural.select(n) === 'one' ? 'data-one' : 'data-other') || '{n}'
    const parts = form.split('{n}')
    const shown = sentence.querySelector('[data-count], [data-chosen]')
    shown.textContent = number.format(n)
    sentence.replaceChildren(parts[0] || '', shown, parts[1] || '')
  }
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
        root.querySelectorAll('[data-live]').forEach(function (sentence) {
          const n = state[sentence.getAttribute('data-live')]
          if (typeof n === 'number') showCount(sentence, n)
        })
      })
      .catch(function () { /* the next refresh tries again */ })
  }
  setInterval(refresh, 2000)
})()
