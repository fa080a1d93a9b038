/** A QR code as inline SVG (room codes, phone sign-in links). qrcode is loaded on first use. */
export async function qrSvg (text: string): Promise<string> {
  const { default: QRCode } = await import('qrcode')
  return await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
}
