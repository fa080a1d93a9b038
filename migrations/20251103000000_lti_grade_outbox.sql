-- Grades for the LMS wait here until the platform has them: nothing acknowledged is lost when
-- a platform is down. Only the latest pending score of a (course, line item, person) is sent;
-- older pending ones are superseded, so a retry never overwrites a newer grade.
CREATE TABLE lti_grade_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  context_id uuid NOT NULL REFERENCES lti_contexts (id) ON DELETE CASCADE,
  line_item text NOT NULL CHECK (line_item IN ('presence', 'synthese')),
  user_sub text NOT NULL,
  person_id uuid REFERENCES people (id) ON DELETE SET NULL,
  score jsonb NOT NULL,
  given_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'superseded')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX lti_grade_outbox_due_idx ON lti_grade_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX lti_grade_outbox_target_idx ON lti_grade_outbox (context_id, line_item, user_sub);

-- Line items we created or found in each course, by our own label.
CREATE TABLE lti_line_items (
  context_id uuid NOT NULL REFERENCES lti_contexts (id) ON DELETE CASCADE,
  line_item text NOT NULL CHECK (line_item IN ('presence', 'synthese')),
  url text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (context_id, line_item)
);
