export { catalog } from './codes.js';
export { classDefaults, fallbacks } from './fallbacks.js';
export {
  defaultProfileName,
  defineProfile,
  type ErrorStatus,
  type Fallback,
  getProfile,
  isLanguage,
  type Language,
  languages,
  type PageInfo,
  Profile,
  type ProfileDefinition,
  type ProfileName,
  profileNames,
  type Row,
  type Status,
  type StatusClass,
  type Text,
} from './profile.js';
