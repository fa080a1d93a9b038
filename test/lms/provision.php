<?php
// Provisions the Moodle of `npm run test:lms` without a browser: one course, its teacher and two
// students (manual enrolments), and no user tours (their backdrop blocks clicks in headless Chromium).
// Usage: php provision.php MOODLE_DIR
define('CLI_SCRIPT', true);
require($argv[1] . '/config.php');
require_once($CFG->dirroot . '/course/lib.php');
require_once($CFG->dirroot . '/user/lib.php');

$course = create_course((object) [
    'fullname' => 'ENP7009 Co-production des services publics',
    'shortname' => 'ENP7009',
    'category' => $DB->get_field_sql('SELECT MIN(id) FROM {course_categories}'),
    'format' => 'topics',
    'numsections' => 1,
]);
$manual = enrol_get_plugin('manual');
$instance = $DB->get_record('enrol', ['courseid' => $course->id, 'enrol' => 'manual'], '*', MUST_EXIST);
$people = [
    ['teacher1', 'Thérèse', 'Tremblay', 'editingteacher'],
    ['student1', 'Sam', 'Safari', 'student'],
    ['student2', 'Léa', 'Lemieux', 'student'],
];
foreach ($people as [$username, $first, $last, $role]) {
    $id = user_create_user((object) [
        'username' => $username, 'password' => 'Test-pw-1', 'firstname' => $first, 'lastname' => $last,
        'email' => "$username@example.com", 'auth' => 'manual', 'confirmed' => 1, 'mnethostid' => $CFG->mnet_localhost_id,
    ]);
    $manual->enrol_user($instance, $id, $DB->get_field('role', 'id', ['shortname' => $role], MUST_EXIST));
}
$DB->execute('UPDATE {tool_usertours_tours} SET enabled = 0');
purge_all_caches();
echo "course {$course->id}\n";
