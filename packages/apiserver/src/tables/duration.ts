/**
 * Kubernetes' human-readable durations (apimachinery `duration.HumanDuration`),
 * which every AGE cell uses. Precision shrinks as the duration grows:
 * seconds up to 2 minutes ("119s"), minutes and seconds up to 10 minutes
 * ("3m20s"), minutes up to 3 hours ("10m", "179m"), hours and minutes up to
 * 8 hours ("5h2m"), hours up to 2 days ("47h"), days and hours up to 8 days
 * ("3d4h"), days up to 2 years ("400d"), years and days up to 8 years
 * ("2y15d"), then years. A zero part is dropped ("4m", "5h", "3d").
 *
 * Clock skew: a duration down to one second below zero reads "0s"; anything
 * further in the future reads "<invalid>". Whole units truncate toward zero,
 * as Go's integer conversions do.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) {
    return '<invalid>';
  }
  if (seconds < 0) {
    return '0s';
  }
  if (seconds < 120) {
    return `${seconds}s`;
  }
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    return withPart(minutes, 'm', seconds % 60, 's');
  }
  if (minutes < 180) {
    return `${minutes}m`;
  }
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    return withPart(hours, 'h', minutes % 60, 'm');
  }
  if (hours < 48) {
    return `${hours}h`;
  }
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    return withPart(days, 'd', hours % 24, 'h');
  }
  if (hours < 24 * 365 * 2) {
    return `${days}d`;
  }
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    return withPart(years, 'y', days % 365, 'd');
  }
  return `${years}y`;
}

function withPart(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}
