// Door scanner: every scan gets an id and waits on this device until the server has it, so a
// dropped network loses nothing and a retried upload never counts anyone twice.
(function () {
  const root = document.querySelector('[data-scanner]')
  if (!root) return
  const endpoint = root.getAttribute('data-scanner')
  const sessionId = root.getAttribute('data-session')
  // The side of a bilingual answer to show, and the page's words (from the text catalog).
  const locale = root.getAttribute('data-locale') === 'en' ? 'en' : 'fr'
  const number = new Intl.NumberFormat(root.getAttribute('data-intl-locale') || undefined)
  const plural = new Intl.PluralRules(root.getAttribute('data-intl-locale') || undefined)
  const key = 'compagnon-scans:' + sessionId
  // The page's CSRF token: a request our session cookies authenticate must carry it.
  const csrf = (document.querySelector('meta[name="csrf-token"]') || { content: '' }).content
  // Scan times follow the server's clock as seen when the page loaded: door phones are often off.
  const skew = Date.parse(root.getAttribute('data-server-time')) - Date.now() || 0
  const result = root.querySelector('[data-result]')
  const queueInfo = root.querySelector('[data-queue]')
  const form = root.querySelector('[data-typed]')
  let sending = false
  const recent = {}

  function load () { try { return JSON.parse(localStorage.getItem(key) || '[]') } catch (e) { return [] } }
  function save (queue) { localStorage.setItem(key, JSON.stringify(queue)) }
  function showQueue () {
    const n = load().length
    // The sentence for one scan or for several, "{n}" marking the number.
    const form = queueInfo.getAttribute(plural.select(n) === 'one' ? 'data-one' : 'data-other') || '{n}'
    queueInfo.textContent = n === 0 ? '' : form.replace('{n}', number.format(n))
  }
  function show (outcome) {
    const ok = outcome.result !== 'refused'
    result.className = 'scan-result ' + (ok ? (outcome.status === 'late' ? 'late' : 'ok') : 'refused')
    result.innerHTML = ''
    const name = document.createElement('p')
    name.className = 'big'
    name.textContent = outcome.person ? outcome.person.name : root.getAttribute('data-refused')
    const message = document.createElement('p')
    message.textContent = outcome.message[locale]
    result.appendChild(name)
    result.appendChild(message)
  }
  function normalise (text) {
    const match = /\/pass\/([^/?#]+)/.exec(text)
    return (match ? match[1] : text).toUpperCase().replace(/[\s-]/g, '')
  }
  function enqueue (text) {
    const code = normalise(text)
    if (!code) return
    const now = Date.now()
    if (recent[code] && now - recent[code] < 5000) return
    recent[code] = now
    const queue = load()
    queue.push({ scanId: crypto.randomUUID(), sessionId, code, deviceTime: new Date(now + skew).toISOString() })
    save(queue)
    showQueue()
    flush()
  }
  function flush () {
    if (sending) return
    const queue = load()
    if (queue.length === 0) return
    sending = true
    const batch = queue.slice(0, 50)
    fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ scans: batch }) })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status)
        return res.json()
      })
      .then(function (body) {
        const done = {}
        body.outcomes.forEach(function (o) { done[o.scanId] = true })
        save(load().filter(function (s) { return !done[s.scanId] }))
        if (body.outcomes.length > 0) show(body.outcomes[body.outcomes.length - 1])
      })
      .catch(function () { /* offline or server away: the queue stays, and is retried */ })
      .then(function () { sending = false; showQueue(); if (load().length > 0 && navigator.onLine) setTimeout(flush, 3000) })
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault()
    const input = form.querySelector('input[name=code]')
    enqueue(input.value)
    input.value = ''
    input.focus()
  })
  window.addEventListener('online', flush)
  setInterval(flush, 10000)
  showQueue()
  flush()

  // The camera, where the browser can read QR codes (BarcodeDetector, else jsQR on a canvas).
  const video = root.querySelector('[data-camera]')
  const start = root.querySelector('[data-start-camera]')
  const canDetect = 'BarcodeDetector' in window || typeof window.jsQR === 'function'
  if (!navigator.mediaDevices || !canDetect) return
  start.hidden = false
  start.addEventListener('click', function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (stream) {
      video.srcObject = stream
      video.hidden = false
      start.hidden = true
      return video.play()
    }).then(function () {
      const detector = 'BarcodeDetector' in window ? new window.BarcodeDetector({ formats: ['qr_code'] }) : null
      const canvas = document.createElement('canvas')
      const context = canvas.getContext('2d', { willReadFrequently: true })
      function tick () {
        if (detector) {
          detector.detect(video).then(function (codes) { if (codes[0]) enqueue(codes[0].rawValue) }).catch(function () {}).then(function () { setTimeout(tick, 300) })
          return
        }
        if (video.videoWidth > 0) {
          canvas.width = video.videoWidth
          canvas.height = video.videoHeight
          context.drawImage(video, 0, 0)
          const found = window.jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height)
          if (found) enqueue(found.data)
        }
        setTimeout(tick, 300)
      }
      tick()
    }).catch(function () {
      result.textContent = root.getAttribute('data-camera-unavailable')
    })
  })
})()
