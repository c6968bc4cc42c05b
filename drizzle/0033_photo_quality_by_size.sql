-- Photo quality by size alone (src/media/inspect-photo.ts): a photo is `compressed` only when its stored size is
-- under DA/T 50's 300万像素. Before, one without camera EXIF was `compressed` whatever its size (a large scan, a
-- screenshot), and so was one without EXIF whose size could not be read: they were counted on the unit page and
-- in the digest under 「照片被压缩（不足 300 万像素）」. Photos stored under that rule are judged again by the new
-- one from the width and height stored with them: 3,000,000 pixels or more, or no size known, is `ok`. (bigint:
-- two int4 sides can multiply past int4.)
UPDATE materials SET quality = 'ok'
WHERE kind = 'photo' AND quality = 'compressed'
  AND (width IS NULL OR height IS NULL OR width::bigint * height >= 3000000);
