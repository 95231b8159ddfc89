import { useEffect, useState } from 'react';
import { NavLink, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { session, UNAUTHORIZED_EVENT } from './api/session';
import { ExecutionDetailPage } from './pages/executions/ExecutionDetailPage';
import { ExecutionsPage } from './pages/executions/ExecutionsPage';
import { LoginPage } from './pages/login/LoginPage';
import { SnapshotOverviewPage } from './pages/snapshots/SnapshotOverviewPage';
import { TriggerDetailPage } from './pages/triggers/TriggerDetailPage';
import { TriggerFormPage } from './pages/triggers/TriggerFormPage';
import { TriggersPage } from './pages/triggers/TriggersPage';
import { WorkflowDetailPage } from './pages/workflows/WorkflowDetailPage';
import { WorkflowEditPage } from './pages/workflows/WorkflowEditPage';
import { WorkflowsPage } from './pages/workflows/WorkflowsPage';

const NAVIGATION = [
  { to: '/executions', label: 'Executions' },
  { to: '/triggers', label: 'Triggers' },
  { to: '/workflows', label: 'Workflows' },
  { to: '/snapshots', label: 'Snapshots' },
];

/** The layout (skip link, banner, navigation, main) and the routes; a 401 anywhere returns to the login page. */
export function App() {
  const navigate = useNavigate();
  const location = useLocation();
  const [who, setWho] = useState(session.who());

  useEffect(() => {
    const toLogin = () => {
      setWho(null);
      if (!location.pathname.startsWith('/login')) navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    };
    window.addEventListener(UNAUTHORIZED_EVENT, toLogin);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, toLogin);
  }, [navigate, location]);

  const logout = () => {
    session.clear();
    setWho(null);
    navigate('/login');
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="banner">
        <span className="brand">Sirocco</span>
        <nav aria-label="Main">
          <ul>
            {NAVIGATION.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          {who ? (
            <>
              <span>{who}</span>
              <button type="button" onClick={logout}>
                Log out
              </button>
            </>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<Navigate to="/executions" replace />} />
          <Route path="/login" element={<LoginPage onLogin={setWho} />} />
          <Route path="/executions" element={<ExecutionsPage />} />
          <Route path="/executions/:id" element={<ExecutionDetailPage />} />
          <Route path="/triggers" element={<TriggersPage />} />
          <Route path="/triggers/new" element={<TriggerFormPage />} />
          <Route path="/triggers/:name/edit" element={<TriggerFormPage />} />
          <Route path="/triggers/:name" element={<TriggerDetailPage />} />
          <Route path="/workflows" element={<WorkflowsPage />} />
          <Route path="/workflows/new" element={<WorkflowEditPage />} />
          <Route path="/workflows/:name/edit" element={<WorkflowEditPage />} />
          <Route path="/workflows/:name" element={<WorkflowDetailPage />} />
          <Route path="/snapshots" element={<SnapshotOverviewPage />} />
          <Route path="*" element={<p>No such page.</p>} />
        </Routes>
      </main>
    </>
  );
}
