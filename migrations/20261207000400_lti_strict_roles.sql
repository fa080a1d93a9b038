-- Issue 15: LTI roles follow a strict table (src/lti/roles.ts). No LMS role grants the organizer
-- role any more; Mentor, ContentDeveloper, guest and non-credit roles grant nothing. Registrations
-- the LMS granted under the old mapping are withdrawn where the LMS was their only source:
-- created_by IS NULL (nobody in Compagnon chose them) and the person's LMS memberships in that
-- event's courses do not grant the role by the new table. Organizers made in Compagnon
-- (`npm run organizer:create`, invitations) are kept unless the person's only tie to the event's
-- courses is an LMS administrator role; they can be made organizers again by those means.

-- Students: only membership Learner (full, sub-role or short form), never alongside an instructor role.
DELETE FROM registrations r
WHERE r.created_by IS NULL AND r.role = 'credited_student'
  AND EXISTS (
    SELECT 1 FROM lti_roster_members m JOIN lti_contexts c ON c.id = m.context_id
    WHERE m.person_id = r.person_id AND c.event_id = r.event_id)
  AND NOT EXISTS (
    SELECT 1 FROM lti_roster_members m JOIN lti_contexts c ON c.id = m.context_id
    WHERE m.person_id = r.person_id AND c.event_id = r.event_id
      AND m.roles ?| ARRAY['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner', 'http://purl.imsglobal.org/vocab/lis/v2/membership/Learner#Learner', 'Learner']);

-- Instructors: Instructor and teaching-assistant forms only.
DELETE FROM registrations r
WHERE r.created_by IS NULL AND r.role = 'instructor'
  AND EXISTS (
    SELECT 1 FROM lti_roster_members m JOIN lti_contexts c ON c.id = m.context_id
    WHERE m.person_id = r.person_id AND c.event_id = r.event_id)
  AND NOT EXISTS (
    SELECT 1 FROM lti_roster_members m JOIN lti_contexts c ON c.id = m.context_id
    WHERE m.person_id = r.person_id AND c.event_id = r.event_id
      AND m.roles ?| ARRAY[
        'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor', 'Instructor',
        'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#PrimaryInstructor',
        'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#SecondaryInstructor',
        'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#Lecturer',
        'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
        'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistantSection',
        'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistantGroup',
        'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistantOffering',
        'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistantSectionAssociation',
        'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistantTemplate',
        'http://purl.imsglobal.org/vocab/lis/v2/membership#TeachingAssistant', 'TeachingAssistant']);

-- Organizers granted by an LMS administrator role (any vocabulary, as the old mapping read it).
DELETE FROM registrations r
WHERE r.created_by IS NULL AND r.role = 'organizer'
  AND EXISTS (
    SELECT 1 FROM lti_roster_members m JOIN lti_contexts c ON c.id = m.context_id,
      jsonb_array_elements_text(m.roles) AS lti_role
    WHERE m.person_id = r.person_id AND c.event_id = r.event_id
      AND lti_role ~ '(^|[#/])(Administrator|SysAdmin)$');
