import { describe, expect, it } from 'vitest';
import { FindingError } from './errors.js';
import { asffSeverity, guardDutySeverity, ocsfSeverity, severityFromScore } from './severity.js';

describe('severityFromScore (GuardDuty bands)', () => {
  it.each([
    [0, 'INFORMATIONAL'],
    [0.9, 'INFORMATIONAL'],
    [1, 'LOW'],
    [3.9, 'LOW'],
    [3.95, 'LOW'],
    [4, 'MEDIUM'],
    [6.9, 'MEDIUM'],
    [7, 'HIGH'],
    [8.9, 'HIGH'],
    [9, 'CRITICAL'],
    [10, 'CRITICAL'],
  ])('%s → %s', (score, label) => {
    expect(severityFromScore(score)).toEqual({ score, label });
  });

  it('rejects a non-finite score', () => {
    expect(() => severityFromScore(Number.NaN)).toThrow(RangeError);
  });
});

describe('guardDutySeverity', () => {
  it('accepts numbers and numeric strings from 0 to 10', () => {
    expect(guardDutySeverity(8, 'detail.severity')).toEqual({ score: 8, label: 'HIGH' });
    expect(guardDutySeverity('5.5', 'detail.severity')).toEqual({ score: 5.5, label: 'MEDIUM' });
  });

  it.each([
    [undefined, 'detail.severity: required'],
    ['high', 'detail.severity: must be a number from 0 to 10, got a string'],
    [11, 'detail.severity: must be a number from 0 to 10, got 11'],
  ])('%s is an error naming the path', (value, message) => {
    expect(() => guardDutySeverity(value, 'detail.severity')).toThrow(
      new FindingError('detail.severity', message.split(': ')[1]!),
    );
  });
});

describe('asffSeverity', () => {
  it('takes the score from Normalized and the label from Label, even where they disagree', () => {
    expect(asffSeverity({ Label: 'LOW', Normalized: 1 }, 'S')).toEqual({ score: 0.1, label: 'LOW' });
    expect(asffSeverity({ Label: 'CRITICAL', Normalized: 100 }, 'S')).toEqual({
      score: 10,
      label: 'CRITICAL',
    });
  });

  it('gives a label without Normalized the lowest score of its band', () => {
    expect(asffSeverity({ Label: 'HIGH' }, 'S')).toEqual({ score: 7, label: 'HIGH' });
    expect(asffSeverity({ Label: 'informational' }, 'S')).toEqual({ score: 0, label: 'INFORMATIONAL' });
  });

  it.each([
    [0, 'INFORMATIONAL'],
    [1, 'LOW'],
    [39, 'LOW'],
    [40, 'MEDIUM'],
    [69, 'MEDIUM'],
    [70, 'HIGH'],
    [89, 'HIGH'],
    [90, 'CRITICAL'],
  ])('without Label, Normalized %s follows the ASFF bands → %s', (normalized, label) => {
    expect(asffSeverity({ Normalized: normalized }, 'S').label).toBe(label);
  });

  it('names the path of a missing or bad severity', () => {
    expect(() => asffSeverity(undefined, 'detail.findings[0].Severity')).toThrow(
      'detail.findings[0].Severity: required',
    );
    expect(() => asffSeverity({}, 'x.Severity')).toThrow(
      'x.Severity.Label: required (Severity.Label or Severity.Normalized)',
    );
    expect(() => asffSeverity({ Label: 'SEVERE' }, 'x.Severity')).toThrow('x.Severity.Label: must be one of');
    expect(() => asffSeverity({ Label: 'LOW', Normalized: 101 }, 'x.Severity')).toThrow(
      'x.Severity.Normalized',
    );
  });
});

describe('ocsfSeverity', () => {
  it.each([
    [1, 'INFORMATIONAL', 0],
    [2, 'LOW', 1],
    [3, 'MEDIUM', 4],
    [4, 'HIGH', 7],
    [5, 'CRITICAL', 9],
    [6, 'CRITICAL', 10],
  ])('severity_id %s → %s', (id, label, score) => {
    expect(ocsfSeverity({ severity_id: id }, 'f')).toEqual({ score, label });
  });

  it('lets severity_id win over the caption (the ASR mock says 3 and "High")', () => {
    expect(ocsfSeverity({ severity_id: 3, severity: 'High' }, 'f').label).toBe('MEDIUM');
  });

  it('reads the caption only for Unknown/Other, else INFORMATIONAL', () => {
    expect(ocsfSeverity({ severity_id: 99, severity: 'High' }, 'f').label).toBe('HIGH');
    expect(ocsfSeverity({ severity_id: 0 }, 'f').label).toBe('INFORMATIONAL');
  });

  it('names the path when there is no severity', () => {
    expect(() => ocsfSeverity({}, 'detail.findings[0]')).toThrow('detail.findings[0].severity_id: required');
    expect(() => ocsfSeverity({ severity_id: 42 }, 'f')).toThrow('f.severity_id: must be');
  });
});
