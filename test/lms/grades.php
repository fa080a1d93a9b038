<?php
// Moodle's gradebook for `npm run test:lms`, as JSON on stdout: every grade item of the course
// (name, type, maximum) with each student's grade and feedback, read through Moodle's own API.
// Usage: php grades.php MOODLE_DIR COURSE_SHORTNAME
define('CLI_SCRIPT', true);
require($argv[1] . '/config.php');
require_once($CFG->libdir . '/gradelib.php');

$course = $DB->get_record('course', ['shortname' => $argv[2]], '*', MUST_EXIST);
$items = [];
foreach (grade_item::fetch_all(['courseid' => $course->id]) ?: [] as $item) {
    if ($item->itemtype === 'course') {
        continue;
    }
    $grades = [];
    foreach (grade_grade::fetch_all(['itemid' => $item->id]) ?: [] as $grade) {
        $grades[] = [
            'username' => $DB->get_field('user', 'username', ['id' => $grade->userid]),
            'grade' => $grade->finalgrade === null ? null : (float) $grade->finalgrade,
            'feedback' => $grade->feedback,
        ];
    }
    usort($grades, fn($a, $b) => strcmp($a['username'], $b['username']));
    $items[] = [
        'name' => $item->itemname,
        'type' => $item->itemtype,
        'module' => $item->itemmodule,
        'max' => (float) $item->grademax,
        'grades' => $grades,
    ];
}
echo json_encode(['courseId' => (int) $course->id, 'items' => $items], JSON_UNESCAPED_UNICODE), "\n";
