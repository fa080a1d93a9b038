// Live list for the session team: refreshed every few seconds without reloading the page.
(function () {
  const root = document.querySelector('[data-attendees]')
  if (!root) return
  const fr = root.getAttribute('data-locale') !== 'en'
  const rows = root.querySelector('[data-rows]')
  const count = root.querySelector('[data-count]')
  const chosen = root.querySelector('[data-chosen]')
  const methods = fr
    ? { room_code: 'code QR', typed_code: 'code tapé', pass: 'laissez-passer', manual: 'correction' }
    : { room_code: 'QR code', typed_code: 'typed code', pass: 'pass', manual: 'correction' }
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
        count.textContent = String(state.checkedIn)
        chosen.textContent = String(state.chosen)
        const body = document.createDocumentFragment()
        state.attendees.forEach(function (a) {
          const tr = document.createElement('tr')
          tr.appendChild(cell(a.name))
          tr.appendChild(cell(new Date(a.recordedAt).toLocaleTimeString(fr ? 'fr-CA' : 'en-CA', { hour: '2-digit', minute: '2-digit', timeZone: 'America/Montreal' })))
          tr.appendChild(cell(a.status === 'late' ? (fr ? 'en retard' : 'late') : (fr ? 'présent·e' : 'present')))
          tr.appendChild(cell(methods[a.method] || a.method))
          tr.appendChild(cell(a.walkIn ? (fr ? 'oui' : 'yes') : ''))
          body.appendChild(tr)
        })
        rows.replaceChildren(body)
      })
      .catch(function () { /* the next refresh tries again */ })
  }
  setInterval(refresh, 3000)
})()
