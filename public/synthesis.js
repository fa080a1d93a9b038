// Synthesis draft autosave: the text is kept in this browser at every keystroke (it survives a
// closed tab, even offline) and sent to Compagnon 1.5 s after the last one.
(function () {
  const area = document.querySelector('textarea[data-autosave]')
  if (!area) return
  const status = document.querySelector('[data-autosave-status]')
  const url = area.getAttribute('data-autosave')
  const key = area.getAttribute('data-key')
  const fr = area.getAttribute('data-locale') !== 'en'
  const zone = area.getAttribute('data-zone') || undefined
  // The page's CSRF token: a request our session cookies authenticate must carry it.
  const csrf = (document.querySelector('meta[name="csrf-token"]') || { content: '' }).content
  // The server's draft time this page was built with; ISO strings compare in time order.
  let serverSavedAt = area.getAttribute('data-saved-at') || ''
  let timer = null
  let sending = false
  let again = false

  function say (text) { if (status) status.textContent = text }
  function hhmm (iso) {
    try {
      // HH:MM in the event's time zone, as the page writes it.
      return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone })
    } catch (e) {
      return new Date(iso).toTimeString().slice(0, 5)
    }
  }
  function readLocal () {
    try { return JSON.parse(localStorage.getItem(key) || 'null') } catch (e) { return null }
  }
  function writeLocal (synced) {
    try { localStorage.setItem(key, JSON.stringify({ text: area.value, base: serverSavedAt, synced })) } catch (e) { /* storage full or disabled */ }
  }

  function save () {
    timer = null
    if (sending) { again = true; return }
    sending = true
    const text = area.value
    fetch(url, {
      method: 'PUT',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ text })
    }).then(function (res) {
      if (!res.ok) throw new Error(String(res.status))
      return res.json()
    }).then(function (answer) {
      serverSavedAt = answer.savedAt
      if (area.value === text) writeLocal(true)
      say((fr ? 'Brouillon enregistré à ' : 'Draft saved at ') + hhmm(answer.savedAt))
    }).catch(function () {
      say(fr ? 'Brouillon gardé dans ce navigateur ; il sera envoyé dès que possible.' : 'Draft kept in this browser; it will be sent as soon as possible.')
    }).then(function () {
      sending = false
      if (again) { again = false; save() }
    })
  }
  function schedule () {
    if (timer !== null) clearTimeout(timer)
    timer = setTimeout(save, 1500)
  }

  // A copy kept here that the server never received (tab closed, offline) and that no later
  // save from elsewhere replaced: put it back and send it.
  const local = readLocal()
  if (local && typeof local.text === 'string' && !local.synced && local.text !== area.value && (local.base || '') >= serverSavedAt) {
    area.value = local.text
    say(fr ? 'Brouillon non envoyé retrouvé dans ce navigateur ; envoi…' : 'Unsent draft found in this browser; sending…')
    schedule()
  }

  area.addEventListener('input', function () {
    writeLocal(false)
    schedule()
  })
  window.addEventListener('online', function () {
    const current = readLocal()
    if (current && !current.synced) schedule()
  })
})()
