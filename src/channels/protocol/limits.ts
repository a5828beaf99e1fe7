/**
 * Every size limit of the Channel framework wire protocol, in one place.
 *
 * Sources: the vendor's developer documentation and its JSON schemas (which the vendor
 * says it uses to validate these interactions). Where they disagree, Switchboard mostly
 * accepts the LARGER of the two, so nothing the vendor could accept is refused here; the
 * counts an integration is told to respect (resources per pull, `file_urls`) follow the
 * documentation instead, so that an integration tried here is not refused by the vendor.
 * The other figure is named in the comment.
 *
 * String limits are in characters as counted by {@link characterCount} (Unicode code
 * points), never UTF-16 code units or bytes.
 */

// --- Instance data ------------------------------------------------------------------
/** `metadata` anywhere it travels (pull, admin UI, channelback). */
export const METADATA_MAX = 5000;
/** `state` anywhere it travels (pull, admin UI). */
export const STATE_MAX = 5000;
/** An instance ("account") `name` posted back from the admin UI. Not published; chosen to match the manifest `name`. */
export const INSTANCE_NAME_MAX = 255;

// --- Manifest -----------------------------------------------------------------------
export const MANIFEST_NAME_MAX = 255;
export const MANIFEST_ID_MAX = 511;
export const MANIFEST_VERSION_MAX = 255;
export const MANIFEST_AUTHOR_MAX = 255;
export const PUSH_CLIENT_ID_MAX = 128;
/** Each `urls.*` entry, as written in the manifest (before resolution). */
export const MANIFEST_URL_MAX = 511;

// --- External resource --------------------------------------------------------------
/**
 * Resources in one push request: the push schema's 256 (the push reference gives no figure).
 */
export const EXTERNAL_RESOURCES_MAX = 256;
/**
 * Resources in one pull response: the docs' 200 (the pull schema says 256). The vendor
 * documents 200 for pulls, so an integration tried here must not count on more.
 */
export const PULL_RESOURCES_MAX = 200;
export const EXTERNAL_ID_MAX = 255;
export const MESSAGE_MAX = 65535;
export const HTML_MESSAGE_MAX = 65535;
/** Docs 511; the schema says 255. A parent_id longer than any external_id simply never matches. */
export const PARENT_ID_MAX = 511;
export const THREAD_ID_MAX = 255;
/** The schema caps `created_at` at 255; a date-time with a long fraction of a second still fits. */
export const CREATED_AT_MAX = 255;
export const AUTHOR_EXTERNAL_ID_MAX = 255;
export const AUTHOR_NAME_MAX = 255;
/** Schema 511; the docs' table says 255. */
export const AUTHOR_IMAGE_URL_MAX = 511;
export const AUTHOR_LOCALE_MAX = 255;
/** `fields` of a resource, and `fields` of its author. */
export const FIELDS_MAX = 64;
/** A string field `id`. */
export const FIELD_ID_MAX = 255;
export const DISPLAY_INFO_MAX = 16;
export const DISPLAY_INFO_TYPE_MAX = 255;
/** `display_info[].data` sent as a string (the API reference's type); an object (the schema's) has no figure. */
export const DISPLAY_INFO_DATA_MAX = 65535;
/** The docs' 10 (the schema says 64): the vendor imports at most 10 files per resource. */
export const FILE_URLS_MAX = 10;
/** One entry of `file_urls`. */
export const FILE_URL_MAX = 511;

// --- Push API -----------------------------------------------------------------------
export const INSTANCE_PUSH_ID_MAX = 255;
/** `request_id` of push, validate_token and report_error. */
export const REQUEST_ID_MAX = 64;
/** `description` of report_error. */
export const REPORT_ERROR_DESCRIPTION_MAX = 511;

// --- Channelback (host → integration form, then the integration's JSON answer) -------
export const CHANNELBACK_MESSAGE_MAX = 65535;
export const CHANNELBACK_PARENT_ID_MAX = 511;
export const CHANNELBACK_THREAD_ID_MAX = 511;
export const CHANNELBACK_RECIPIENT_ID_MAX = 255;
export const REQUEST_UNIQUE_IDENTIFIER_MAX = 255;
/** `file_urls[]` of one channelback: the docs' 10, as for a resource's `file_urls`. */
export const CHANNELBACK_FILE_URLS_MAX = 10;
/** `external_id` in a channelback answer. */
export const CHANNELBACK_EXTERNAL_ID_MAX = 255;

// --- Reporting ----------------------------------------------------------------------
/** Problems listed per validation before the rest are summarised in one line. Not a protocol limit. */
export const PROBLEMS_REPORTED_MAX = 100;

/**
 * The length of `s` as the protocol's limits count it: Unicode code points, the same as
 * `[...s].length`. An emoji such as "😀" (two UTF-16 code units, four UTF-8 bytes) is
 * one character; an unpaired surrogate is one character.
 *
 * Why code points: the limits come from JSON Schema `maxLength`, which JSON Schema
 * defines as a count of characters in the RFC 8259 sense (code points), and the vendor's
 * service is Ruby, whose `String#length` on UTF-8 strings also counts code points. Counting
 * UTF-16 units (`s.length`) would wrongly refuse 5000-emoji metadata the vendor accepts.
 */
export function characterCount(s: string): number {
  // Equivalent to [...s].length without building an array: each well-formed surrogate
  // pair is one character, everything else (including a lone surrogate) is one.
  let count = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}
