// 1EdTech "LTI Client Side postMessages" / "Platform Storage": keeps a login's secret in the
// platform's storage when the browser keeps no cookie in the LMS frame.
// put: at login, stores the secret (lti.put_data), then goes on to the platform's auth endpoint.
// get: at launch, reads it back (lti.get_data) and posts the launch again with it.
// Messages go to the platform's OIDC auth origin only, and only answers from that origin, with
// our message_id, count: any other window's message is ignored. No answer in 2 s, or an error:
// go on without (the login cookie, or the new-window button, still apply).
(function () {
  const root = document.querySelector('[data-lti-storage]')
  if (!root) return
  const mode = root.getAttribute('data-lti-storage') === 'get' ? 'get' : 'put'
  const origin = root.getAttribute('data-origin')
  const target = root.getAttribute('data-target')
  const key = root.getAttribute('data-key')
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  const messageId = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1) }).join('')
  let done = false

  function finish (value) {
    if (done) return
    done = true
    window.removeEventListener('message', onMessage)
    if (mode === 'put') {
      window.location.replace(root.getAttribute('data-next'))
    } else {
      root.querySelector('input[name="compagnon_storage"]').value = value
      root.submit()
    }
  }

  function onMessage (event) {
    if (event.origin !== origin) return
    const data = event.data
    if (!data || typeof data !== 'object' || data.message_id !== messageId || data.subject !== 'lti.' + mode + '_data.response') return
    if (data.error || data.key !== key) { finish(''); return }
    finish(mode === 'get' && typeof data.value === 'string' ? data.value : '')
  }

  // The platform's window: the LMS page framing us (or, in a new window, the one that opened it).
  const host = window.parent !== window ? window.parent : window.opener
  let platform = null
  try { platform = host && (target === '_parent' ? host : host.frames[target]) } catch (e) { platform = null }
  if (!platform || !origin || !key) { finish(''); return }
  window.addEventListener('message', onMessage)
  const message = { subject: 'lti.' + mode + '_data', message_id: messageId, key }
  if (mode === 'put') message.value = root.getAttribute('data-value')
  try { platform.postMessage(message, origin) } catch (e) { finish(''); return }
  setTimeout(function () { finish('') }, 2000)
})()
