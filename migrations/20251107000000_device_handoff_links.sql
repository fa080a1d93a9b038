-- Two more kinds of one-time link, both minted for someone already signed in on one device:
-- 'phone' opens Compagnon on their phone (QR shown after an LMS launch); 'launch' lets a browser
-- that blocked cookies inside the LMS frame continue the launch in a new window.
ALTER TABLE sign_in_links DROP CONSTRAINT sign_in_links_purpose_check;
ALTER TABLE sign_in_links ADD CONSTRAINT sign_in_links_purpose_check
  CHECK (purpose IN ('bootstrap', 'invitation', 'sign_in', 'phone', 'launch'));
