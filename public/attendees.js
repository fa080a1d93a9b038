// Live list for the session team: refreshed every few seconds without reloading the page.
(function () {
  const root = document.querySelector('[data-attendees]')
  if (!root) return
  const lang = root.getAttribute('data-intl-locale') || undefined
  const zone = root.getAttribute('data-zone') || undefined
  // The page's words (from the text catalog, in its language).
  const words = JSON.parse(root.getAttribute('data-words') || '{}')
  const methods = words.methods || {}
  const plural = new Intl.PluralRules(lang)
  const number = new Intl.NumberFormat(lang)
  const clock = new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit', timeZone: zone })
  const rows = root.querySelector('[data-rows]')
  // A count in its sentence: the page gives the sentence for one and for several, "{n}" marking the number.
  function showCount (sentence, n) {
    const form = sentence.getAttribute(plural.select(n) === 'one' ? 'data-one' : 'data-other') || '{n}'
    const parts = form.split('{n}')
    const shown = sentence.querySelector('[data-count], [data-chosen]')
    shown.textContent = number.format(n)
    sentence.replaceChildren(parts[0] || '', shown, parts[1] || '')
  }
  function cell (text) {
    const td = document.createElement('td')
    td.textContent = text
    return td
  }
  function refresh () {
    fetch(root.getAttribute('data-attendees'), { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) { return res.ok ? res.json() : null })
      .then(function (state) {
        if (!state) return
        root.querySelectorAll('[data-live]').forEach(function (sentence) {
          const n = state[sentence.getAttribute('data-live')]
          if (typeof n === 'number') showCount(sentence, n)
        })
        const body = document.createDocumentFragment()
        state.attendees.forEach(function (a) {
          const tr = document.createElement('tr')
          tr.appendChild(cell(a.name))
          tr.appendChild(cell(clock.format(new Date(a.recordedAt))))
          tr.appendChild(cell(a.status === 'late' ? words.late : words.present))
          tr.appendChild(cell(methods[a.method] || a.method))
          tr.appendChild(cell(a.walkIn ? words.yes : ''))
          body.appendChild(tr)
        })
        rows.replaceChildren(body)
      })
      .catch(function () { /* the next refresh tries again */ })
  }
  setInterval(refresh, 3000)
})()
