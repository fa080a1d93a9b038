<?php
// Prints "course ID" for a course shortname (`npm run test:lms`). Usage: php course.php MOODLE_DIR SHORTNAME
define('CLI_SCRIPT', true);
require($argv[1] . '/config.php');
echo 'course ', $DB->get_field('course', 'id', ['shortname' => $argv[2]], MUST_EXIST), "\n";
