import type { InputField } from '../lib/workflow-inputs';

interface Props {
  fields: InputField[];
  values: Record<string, string>;
  onChange: (values: Record<string, string>) => void;
}

/** One text field per workflow input, with its default shown; values are JSON or plain text. */
export function InputsForm({ fields, values, onChange }: Props) {
  if (fields.length === 0) return <p className="hint">The workflow takes no input.</p>;
  return (
    <fieldset className="inputs">
      <legend>Workflow input</legend>
      {fields.map((field) => (
        <label key={field.name}>
          {field.name}
          {field.required ? ' (required)' : ''}
          <input
            name={`input-${field.name}`}
            value={values[field.name] ?? field.defaultText}
            required={field.required}
            onChange={(event) => onChange({ ...values, [field.name]: event.target.value })}
          />
          {field.required ? null : <span className="hint">default: {field.defaultText}</span>}
        </label>
      ))}
    </fieldset>
  );
}
