// Projector page (kiosk): a new QR code and typed code every window, a countdown to the next
// one, the live count (in words that follow it) and how full the room is; a full-screen button.
(function () {
  const root = document.querySelector('[data-projection]')
  if (!root) return
  const url = root.getAttribute('data-projection')
  const lang = root.getAttribute('data-intl-locale') || undefined
  const plural = new Intl.PluralRules(lang)
  const number = new Intl.NumberFormat(lang)
  const qr = root.querySelector('[data-qr]')
  const typed = root.querySelector('[data-typed-code]')
  const countdown = root.querySelector('[data-countdown]')
  const occupancy = root.querySelector('[data-occupancy]')
  let last = typed ? typed.textContent : ''
  // The server's clock decides when the code changes (it may be set for a demo): its offset from
  // this browser's clock, taken from the page and corrected when a poll finds it off by > 1 s.
  let changesAt = Date.parse(root.getAttribute('data-changes-at') || '') || 0
  let offset = (Date.parse(root.getAttribute('data-server-time') || '') || Date.now()) - Date.now()

  // A count in its sentence: the page gives the sentence for one and for several, "{n}" marking the number.
  function showCount (sentence, n) {
    const form = sentence.getAttribute(plural.select(n) === 'one' ? 'data-one' : 'data-other') || '{n}'
    const parts = form.split('{n}')
    const shown = sentence.querySelector('[data-count], [data-chosen], [data-seconds]')
    shown.textContent = number.format(n)
    sentence.replaceChildren(parts[0] || '', shown, parts[1] || '')
  }

  let polling = false
  let sent = 0
  function refresh () {
    if (polling) return
    polling = true
    sent = Date.now()
    fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) { return res.ok ? res.json() : null })
      .then(function (state) {
        if (!state) return
        const received = Date.now()
        const now = Date.parse(state.now)
        if (!isNaN(now)) {
          const measured = now - (sent + received) / 2
          if (Math.abs(measured - offset) > 1000) offset = measured
        }
        if (state.typedCode !== last) {
          last = state.typedCode
          if (qr) qr.innerHTML = state.qrSvg
          if (typed) typed.textContent = state.typedCode
        }
        changesAt = Date.parse(state.changesAt) || changesAt
        tick()
        root.querySelectorAll('[data-live]').forEach(function (sentence) {
          const n = state[sentence.getAttribute('data-live')]
          if (typeof n === 'number') showCount(sentence, n)
        })
        const capacity = occupancy ? Number(occupancy.getAttribute('data-occupancy')) : 0
        if (capacity > 0 && typeof state.checkedIn === 'number') {
          occupancy.firstElementChild.style.width = Math.min(100, Math.round(state.checkedIn / capacity * 100)) + '%'
        }
      })
      .catch(function () { /* the next refresh tries again */ })
      .finally(function () { polling = false })
  }

  let shownSeconds = -1
  function tick () {
    if (!countdown || !changesAt) return
    const left = Math.max(0, Math.ceil((changesAt - (Date.now() + offset)) / 1000))
    if (left !== shownSeconds) {
      shownSeconds = left
      showCount(countdown, left)
    }
    // The code has changed on the server: fetch it now rather than at the next poll (once a second at most).
    if (left === 0 && Date.now() - sent > 1000) refresh()
  }

  const button = root.querySelector('[data-fullscreen]')
  if (button && document.fullscreenEnabled) {
    const label = function () {
      button.textContent = button.getAttribute(document.fullscreenElement ? 'data-exit' : 'data-enter')
    }
    button.hidden = false
    button.addEventListener('click', function () {
      if (document.fullscreenElement) document.exitFullscreen().catch(function () {})
      else document.documentElement.requestFullscreen().catch(function () {})
    })
    document.addEventListener('fullscreenchange', label)
  }

  setInterval(refresh, 2000)
  setInterval(tick, 250)
})()
