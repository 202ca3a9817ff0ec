import './styles.css'
import { startViewer } from './app/app.js'

const root = document.getElementById('app')
if (root === null) throw new Error('index.html has no #app element')
startViewer(root)
